"""The gallery screen: subjects, their photos, import and removal."""
