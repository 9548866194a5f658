"""An Ollama Modelfile that chats the way the LoRA was trained: base, ADAPTER, our template, stop strings.

Ollama templates are Go templates over `.Messages` (role, content). Our prompt formats are turned into
one by the text each format puts around a message:

    pygmalion       Name's Persona: S / <START> / You: U / Name: A, and the `Name:` cue
    chat-template   whatever the tokenizer's own template wraps each role in, found by rendering it
                    with marker texts (prefix-stable templates only, as finetune already requires)

User messages carry the speaker's name (`You: hello`), as in training. Ollama's parser has no escape
sequences, so a stop string with a newline is written with a real newline inside its quotes.
"""

from __future__ import annotations

from dataclasses import dataclass

from characterkit.errors import UserError

_MARK = "\u2063ck-{}\u2063"  # marker texts no template changes (invisible separator around them)


@dataclass
class Wraps:
    """The text around each role's content, the generation cue, and what starts a chat without a system."""

    system: tuple[str, str]
    user: tuple[str, str]
    assistant: tuple[str, str]
    cue: str
    no_system: str = ""


def pygmalion_wraps(character: str, user_name: str) -> Wraps:
    """The pygmalion format's text (characterkit.prompts.PygmalionFormat), as prefix/suffix pairs."""
    return Wraps(system=(f"{character}'s Persona: ", "\n<START>\n"), user=(f"{user_name}: ", "\n"),
                 assistant=(f"{character}: ", "\n"), cue=f"{character}:")


def chat_template_wraps(tokenizer, user_name: str) -> Wraps:
    """Find each role's wrapping by rendering the tokenizer's template with markers in place of texts."""

    def render(messages, cue=False):
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=cue)
        # A BOS the template writes would come twice where the tokenizer also adds one (llama.cpp does
        # what the tokenizer does); SmolLM2's BOS is <|im_start|>, which it never adds, so it stays.
        bos = tokenizer.bos_token or ""
        adds_bos = bool(bos) and tokenizer("x")["input_ids"][:1] == [tokenizer.bos_token_id]
        return text[len(bos):] if adds_bos and text.startswith(bos) else text

    sys_, user, assistant = ({"role": r, "content": _MARK.format(r)} for r in ("system", "user", "assistant"))
    try:
        with_system = render([sys_])
        with_user = render([sys_, user])
        with_assistant = render([sys_, user, assistant])
        cue = render([sys_, user], cue=True)
        alone = render([user])
    except Exception as e:  # templates raise their own errors (e.g. a role order they refuse)
        raise UserError(f"cannot render the tokenizer's chat template for Ollama: {e}") from None
    for longer, shorter in ((with_user, with_system), (with_assistant, with_user), (cue, with_user)):
        if not longer.startswith(shorter):
            raise UserError("the tokenizer's chat template is not prefix-stable, so it has no Ollama form; "
                            "retrain with --prompt-format pygmalion")
    user_text = with_user[len(with_system):]
    user_prefix, user_suffix = _split(user_text, "user")
    # Our user messages are `Name: text` lines (characterkit.prompts.ChatTemplateFormat.messages).
    return Wraps(system=_split(with_system, "system"), user=(user_prefix + f"{user_name}: ", user_suffix),
                 assistant=_split(with_assistant[len(with_user):], "assistant"), cue=cue[len(with_user):],
                 no_system=alone[:alone.index(user_text)] if user_text in alone else "")


def _split(text: str, role: str) -> tuple[str, str]:
    prefix, found, suffix = text.partition(_MARK.format(role))
    if not found:
        raise UserError(f"the tokenizer's chat template drops {role} messages; retrain with --prompt-format pygmalion")
    return prefix, suffix


def go_template(wraps: Wraps) -> str:
    """The Ollama TEMPLATE. No `{{-` trimming: the literal text's newlines are part of the format."""
    parts = [f"{{{{ if not .System }}}}{wraps.no_system}{{{{ end }}}}" if wraps.no_system else ""]
    parts.append("{{ range .Messages }}")
    parts.append(f'{{{{ if eq .Role "system" }}}}{wraps.system[0]}{{{{ .Content }}}}{wraps.system[1]}')
    parts.append(f'{{{{ else if eq .Role "user" }}}}{wraps.user[0]}{{{{ .Content }}}}{wraps.user[1]}')
    parts.append(f'{{{{ else if eq .Role "assistant" }}}}{wraps.assistant[0]}{{{{ .Content }}}}{wraps.assistant[1]}')
    parts.append("{{ end }}{{ end }}" + wraps.cue)
    return "".join(parts)


def quoted(value: str) -> str:
    """A Modelfile value: Ollama unquotes "..." and \"\"\"...\"\"\" as they are (no escapes)."""
    if '"""' in value:
        raise UserError(f"cannot write {value[:40]!r} in a Modelfile: it contains three double quotes")
    return f'"""{value}"""' if '"' in value else f'"{value}"'


def modelfile_text(*, base: str, adapter: str | None, template: str, stops: list[str], system: str,
                   comment: str) -> str:
    """The Modelfile: FROM the base (or the merged model), ADAPTER, TEMPLATE, SYSTEM, PARAMETER stop."""
    lines = [f"# {line}" for line in comment.splitlines()]
    lines.append(f"FROM {base}")
    if adapter:
        lines.append(f"ADAPTER {adapter}")
    lines.append(f"TEMPLATE {quoted(template)}")
    if system.strip():
        lines.append(f"SYSTEM {quoted(system.strip())}")
    lines += [f"PARAMETER stop {quoted(stop)}" for stop in dict.fromkeys(stops) if stop]
    return "\n".join(lines) + "\n"
