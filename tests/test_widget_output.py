import base64

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from resnet_lib.ui.widget_output import png_output, text_output  # noqa: E402


def test_outputs_can_be_set_on_an_output_widget():
    fig, ax = plt.subplots(figsize=(1, 1), dpi=50)
    ax.plot([0, 1])
    out = widgets.Output()
    out.outputs = (text_output("updated: x=1"), png_output(fig, "<plot>"))
    plt.close(fig)
    stream, image = out.outputs
    assert stream == {"output_type": "stream", "name": "stdout", "text": "updated: x=1\n"}
    assert base64.b64decode(image["data"]["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert image["data"]["text/plain"] == "<plot>"
