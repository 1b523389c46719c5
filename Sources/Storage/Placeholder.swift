// Placeholder so the package builds while this target is written; delete when real sources exist.
