"""Plots, animations and widgets that the chapters share.

One module per kind of picture: ``matrices`` draws small arrays as labelled grids of
cells. Import from the submodule, e.g. ``from cnnbook.viz.matrices import show_matrix``.
"""
