"""show_matrix draws one labelled cell per entry and rejects non-2-D input."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnbook.viz.matrices import show_matrix  # noqa: E402


def test_every_cell_is_labelled_with_its_value():
    values = np.array([[0.0, 1.5, -2.0], [3.0, 4.0, 5.0]])
    fig, ax = plt.subplots()
    show_matrix(ax, values, "m", box=(0, 1), box_size=(2, 2))
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["0", "1.5", "-2", "3", "4", "5"]
    (box,) = ax.patches
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (0.5, -0.5, 2, 2)
    plt.close(fig)


def test_rejects_a_vector_with_a_clear_message():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"2-D array \(H, W\), got shape \(3,\)"):
        show_matrix(ax, np.zeros(3))
    plt.close(fig)
