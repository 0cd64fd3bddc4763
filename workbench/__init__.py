"""Cross-lingual claim-verification workbench.

The public API is small: build a :class:`Config`, open a :class:`Workbench` on a
workspace, and call its stage methods::

    from workbench import Config, Workbench
    wb = Workbench(Config.load(workspace="demo"))
    wb.ingest(["data/samples"])
    wb.analyze()
    wb.export("out/demo")
"""

__version__ = "0.1.0"

from .blas import choose_kernel_for_faiss  # noqa: E402

choose_kernel_for_faiss()  # before anything loads faiss's OpenBLAS (see workbench/blas.py)

from .config import Config  # noqa: E402
from .errors import InputError, WorkbenchError  # noqa: E402
from .model import Article, Attribution, Decision, Group, Hedge, Link, Quantity, Relation, Statement  # noqa: E402
from .pipeline import IngestReport, Workbench  # noqa: E402

__all__ = [
    "Article", "Attribution", "Config", "Decision", "Group", "Hedge", "IngestReport", "InputError", "Link",
    "Quantity", "Relation", "Statement", "Workbench", "WorkbenchError", "__version__",
]
