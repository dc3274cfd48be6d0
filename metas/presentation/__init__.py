"""Pure helpers for what a page or a message shows: numbers written the Spanish way
(`numbers`), server-rendered SVG bar charts (`charts`), form widgets (`widgets`). No models, no
requests."""
