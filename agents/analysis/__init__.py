"""Offline analysis: deterministic tools run on the user's material (issue 12).

Why a package of its own: offline drafts used to be templates echoing the subject. Here
each task gets real input (code blocks, diffs, acceptance criteria, change lists, alert
fields) and, where a tool does the job (bandit, ruff, detect-secrets), its findings. The
result is a plain dict the offline templates in `prompts/` lay out; no sentences here.
"""
