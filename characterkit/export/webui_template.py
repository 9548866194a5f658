"""text-generation-webui's instruction template for characterkit's `Name:` format.

webui's current Training tab formats a chat dataset with `tokenizer.apply_chat_template` and the
instruction template picked in its "Instruction Template" dropdown: a YAML file in
`instruction-templates/` whose `instruction_template` key holds Jinja. Without one for our format
webui would train ChatML or Alpaca text while its chat mode prompts in `Name:` style. This template
renders a webui-chat.json row as exactly the text `characterkit finetune --prompt-format pygmalion`
trains on (prompts.PygmalionFormat):

    Mara's Persona: a ship's cook          <- the system message, only when there is a persona
    <START>
    Jon: Is the soup ready?                 <- the user message: one context turn per line
    Mara: When it is ready, you will smell it.\\n</s>   <- the reply, on one line, then EOS

and with `add_generation_prompt` it ends with the `Mara:` cue, so webui's reply-only mask (the
template with and without the reply) trains the reply, its newline and EOS, as characterkit does.
The character's name is the assistant message's `name`, else the one baked into the template.
"""

from __future__ import annotations

import json

from characterkit.export.render import OPENING_TURN

TEMPLATE_FOLDER = "instruction-templates"


def template_name(dataset_name: str) -> str:
    """The name webui lists the template under (its file stem), also written to training_parameters.json."""
    return f"{dataset_name}-characterkit"


def jinja_template(character: str) -> str:
    """The Jinja source; `character` names the speaker when a message does not (the generation prompt)."""
    name, opening = json.dumps(character), json.dumps(OPENING_TURN)  # JSON strings are Jinja string literals
    return (
        "{%- set ns = namespace(char=" + name + ") -%}\n"
        "{%- for message in messages -%}\n"
        "    {%- if message['role'] == 'assistant' and message.get('name') -%}{%- set ns.char = message['name'] -%}"
        "{%- endif -%}\n"
        "{%- endfor -%}\n"
        "{%- for message in messages -%}\n"
        "    {%- if message['role'] == 'system' -%}\n"
        "        {%- if message['content'].strip() -%}\n"
        "            {{- ns.char + \"'s Persona: \" + message['content'].strip() + '\\n<START>\\n' -}}\n"
        "        {%- endif -%}\n"
        "    {%- elif message['role'] == 'user' -%}\n"
        "        {%- if message['content'].strip() and message['content'] != " + opening + " -%}\n"
        "            {{- message['content'] + '\\n' -}}\n"
        "        {%- endif -%}\n"
        "    {%- else -%}\n"
        "        {{- (message.get('name') or ns.char) + ': ' + (message['content'].split() | join(' ')) + '\\n' -}}\n"
        "        {%- if eos_token -%}{{- eos_token -}}{%- endif -%}\n"
        "    {%- endif -%}\n"
        "{%- endfor -%}\n"
        "{%- if add_generation_prompt -%}\n"
        "    {{- ns.char + ':' -}}\n"
        "{%- endif -%}"
    )


def template_yaml(character: str) -> str:
    """The file webui reads: `instruction_template: |-` and the Jinja, like its own ChatML.yaml."""
    body = "\n".join("  " + line if line else "" for line in jinja_template(character).splitlines())
    return "instruction_template: |-\n" + body + "\n"
