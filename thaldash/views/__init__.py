"""What each page shows, as data: its figures, tables and headline numbers, built from the core.

A page view is a function of a ``ViewContext`` (the cohort, the filter, the grading) and the page's
own settings, returning blocks (``blocks.Figure``, ``blocks.Table``, ``blocks.Stat``) with their
titles, captions and speaker notes. The Streamlit page draws them (``thaldash.ui.render``); the
deck (``thaldash.views.deck``, ``python -m thaldash deck``) turns the same blocks into slides, so a
slide shows what the screen shows. No Streamlit here.
"""
