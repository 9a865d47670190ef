"""Estimators for the clinical question "does genotype predict transfusion independence?".

A self-contained package (numpy, scipy and pandas only; it never imports ``thaldash``), one
module per topic, each function tidy in and tidy out:

- ``firth``: logistic regression with Firth's bias reduction (logistf-equivalent);
- ``roc``: ROC curve points and the AUC with its DeLong interval;
- ``contingency``: Fisher–Freeman–Halton test of an R×C table (exact or Monte Carlo) and
  Fisher's exact test of a 2×2 table with the conditional odds ratio;
- ``incidence``: cumulative incidence of an event seen at scheduled visits, and its durability;
- ``pooling``: beta-binomial empirical-Bayes partial pooling of k/n across groups;
- ``paired_proportions``: difference of two proportions on the same patients (Newcombe's
  hybrid score interval, exact McNemar test);
- ``inputs``: the input checks and constants they share.
"""
