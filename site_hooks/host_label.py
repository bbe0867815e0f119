"""Site hook helper: a block that runs on another machine of its page (`host=node2`), or as its
ordinary user (`user=alice`), is shown
as run there, with a label above it and that host in its prompts (docproof/hosts.py makes the
machines; a reader with two real machines follows the page as it stands)."""

from __future__ import annotations

from docproof import blocks as docproof_blocks
from markup import _FENCE_LINE, _continuation, _paragraph  # the hook folder is on MkDocs' path

ORDINALS = ["second", "third", "fourth", "fifth"]


def on_host(markdown: str, line_starts: list[int], block: docproof_blocks.Block) -> list[tuple[int, int, str]]:
    """Edits that show a block of another host (`host=node2`) as run there: a label above the
    fence and that host in each command's prompt."""
    name = block.options.host
    if name is None or block.hidden:
        return []
    index = block.page_hosts.index(name) if name in block.page_hosts else len(ORDINALS)
    which = f"the {ORDINALS[index]} machine" if index < len(ORDINALS) else "the machine"
    return _labelled(markdown, line_starts, block, f"On {which}, {name}:", docproof_blocks.shown_prompt(block))


def on_user(markdown: str, line_starts: list[int], block: docproof_blocks.Block) -> list[tuple[int, int, str]]:
    """Edits that show a block run as a page's ordinary user (`user=alice`, docproof/users.py)
    as typed in that user's terminal: a label above the fence ("in a second terminal" for a
    background block) and the user's prompt, `alice@docker-host:~$`."""
    name = block.options.user
    if name is None or block.hidden:
        return []
    where = f"In a second terminal, logged in as {name}:" if block.options.background else f"As {name}:"
    return _labelled(markdown, line_starts, block, where, docproof_blocks.shown_prompt(block))


def _labelled(markdown: str, line_starts: list[int], block: docproof_blocks.Block,
              label: str, prompt: str) -> list[tuple[int, int, str]]:
    """A label paragraph above the block's fence, and `prompt` instead of each command's `$`."""
    at = line_starts[block.line - 1]
    fence = _FENCE_LINE.match(markdown[at:])
    prefix = _continuation(fence.group("prefix") if fence else "")
    edits = [(at, at, _paragraph(prefix, label, ".docproof-host") + f"\n{prefix.rstrip()}\n")]
    if block.kind == "console":
        for command in docproof_blocks.split_console(block):
            start = markdown.index("$", line_starts[command.line - 1])
            edits.append((start, start + 1, prompt))
    return edits
