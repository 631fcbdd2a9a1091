"""From raw exports to a working config: init (with the export presets), validate, convert."""
