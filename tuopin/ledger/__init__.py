"""The ledger engine: every Excel-fed ledger (the registry, projects and funds, …) declares its
sheets, columns, code lists and checks, and gets reading, cell validation with sheet/row/column/
value/reason, all-or-nothing plans, staged review then confirm, the template with drop-down lists,
the streamed export and import history from here. See docs/architecture.md (台账引擎)."""
