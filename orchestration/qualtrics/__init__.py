"""Qualtrics as the source of a wave's responses during fieldwork (contract §5.2): the API client
(`client.py`), one pull of one wave into its landing folder (`pull.py`), and the Dagster asset and
schedule that run it (`orchestration/assets/qualtrics.py`). docs/QUALTRICS_API.md says how to use it."""
