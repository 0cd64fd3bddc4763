"""The Streamlit browser workbench: a thin layer over :class:`workbench.Workbench`."""

from __future__ import annotations

from pathlib import Path

UPLOAD_LIMIT_MB = 50  # the same limit ingest applies to one article file, and the one the upload box shows


def app_path() -> Path:
    return Path(__file__).resolve().parent / "app.py"


def streamlit_options(host: str, port: int, headless: bool = True) -> list[str]:
    """Command-line flags for `streamlit run`: localhost only unless asked, no telemetry, upload limit."""
    return [
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true" if headless else "false",
        "--server.maxUploadSize", str(UPLOAD_LIMIT_MB),
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",  # no "Deploy" button: this is a local tool
        "--runner.magicEnabled", "false",  # the pages write only through st.*: no AST rewrite on first visit
    ]
