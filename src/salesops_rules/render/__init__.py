"""The renderings for auditors: a decision and its trace in words, text, Markdown, HTML."""
