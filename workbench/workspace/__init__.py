"""The concerns behind :class:`workbench.Workbench`, one module each.

``context`` holds what they share (settings, store, encoder, saved index); ``intake``
reads articles in; ``analysis`` runs the corpus-level stages; ``search`` answers queries
and the reading aid; ``review`` stores and applies the analyst's decisions; ``tables``
reads results out and exports them. None of them imports the facade.
"""
