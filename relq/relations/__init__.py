"""The relationship map between departments and each department's 関係品質 scorecard."""
