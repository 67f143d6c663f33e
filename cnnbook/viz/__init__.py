"""Plots, animations and widgets that the chapters share.

One module per kind of picture:

- ``matrices``: small arrays drawn as labelled grids of cells (``show_matrix``);
- ``animation``: a kernel sliding over an input, as a JavaScript animation that plays in
  a static web page (``animate_convolution``, ``convolution_animation_html``);
- ``trajectories``: 2-D test surfaces (Rosenbrock, Beale, an ill-conditioned quadratic,
  a saddle), optimizer paths on them, a trajectory figure and a JavaScript animation;
- ``widgets``: an ipywidgets explorer of kernel size, stride, padding and dilation for
  Colab/Jupyter (``convolution_explorer``; its computation is ``explore_convolution``).

Import from the submodule, e.g. ``from cnnbook.viz.matrices import show_matrix``.
"""
