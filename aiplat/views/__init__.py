"""Views: plain data (tables) built from specs and stack files, ready for a renderer."""
