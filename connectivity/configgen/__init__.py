"""Generate the configuration files Thredd sends its clients (REFERENCE §4).

`catalogue` lists the devices clients choose from, `targets` the files Thredd renders,
`values` makes the per-tunnel secrets and addresses, `context` gathers every value a template
uses, and `render` fills the sandboxed Jinja2 templates. Nothing here writes to the database,
so the approval service, the render task and the `render_config` command share it as it is.

This package's `__init__` imports nothing: `rules` imports the catalogue, and the renderer
imports `rules`.
"""
