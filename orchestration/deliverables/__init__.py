"""What analysts hand on, built from the published warehouse: weighted estimates (computed inside dbt, see
`weighting`), exports, the wave report and the dbt docs site."""
