"""The probe screen: the dropped picture, its faces outlined, and the chosen face's quality."""
