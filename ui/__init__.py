"""Fonte's browser app: a thin Gradio shell over `qa` (`fonte-ui`, or `python -m ui`).

Importing this package switches off every call home of Gradio and the Hugging Face hub before Gradio is
imported anywhere in the process: the app works, and must work, with no network.
"""

import os

OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
}


def offline_environment() -> None:
    """Set the variables that keep Gradio, huggingface_hub and Chroma from calling out."""
    os.environ.update(OFFLINE_ENV)


offline_environment()
