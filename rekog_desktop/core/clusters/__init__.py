"""Who is in a case's material: its unknown faces grouped into persons (issue 17).

grouping: constrained average-linkage clustering and the purity score; constraints: the
cannot-link and must-link rules; store: the case's faces, rules, edits and runs in SQLite;
material: photos and clips turned into faces (never enrolled in the gallery).
"""
