"""Tiny base models and peft LoRAs on them for the GGUF tests (imported as `gguf_helpers`).

The LLaMA base has grouped-query attention (4 query heads, 2 key/value heads), so the q and k row
reorders llama.cpp needs are both exercised with different head counts.
"""

import json
from pathlib import Path

CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def save_tiny(out: Path, arch: str) -> Path:
    import torch
    from transformers import AutoModelForCausalLM, GPTJConfig, LlamaConfig

    from characterkit.data import sample_transcript_text
    from characterkit.train.tiny import train_tokenizer

    tokenizer = train_tokenizer([sample_transcript_text()], vocab_size=300)
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.chat_template = CHATML
    common = dict(vocab_size=len(tokenizer), bos_token_id=1, eos_token_id=2, pad_token_id=3)
    if arch == "llama":
        config = LlamaConfig(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                             num_key_value_heads=2, max_position_embeddings=256, tie_word_embeddings=False, **common)
    else:
        config = GPTJConfig(n_embd=64, n_layer=1, n_head=4, rotary_dim=16, n_positions=256, **common)
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def make_lora(home: Path, base: Path, name: str = "mara", prompt_format: str = "chat-template",
              targets=("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
              **lora_kwargs) -> Path:
    """loras/NAME: a peft LoRA with random (non-zero) factors on `base`, and the run card finetune writes."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    options = dict(r=4, lora_alpha=8, target_modules=list(targets), init_lora_weights=False)
    peft_model = get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", **{**options, **lora_kwargs}))
    folder = home / "loras" / name
    peft_model.save_pretrained(folder)
    stops = ["<|im_end|>"] if prompt_format == "chat-template" else ["\n", "\nYou:"]
    card = {"base_model": str(base), "base_model_path": str(base), "prompt_format": prompt_format,
            "character": "Mara", "persona": "Mara keeps the lighthouse.", "user_name": "You",
            "stop_strings": stops}
    (folder / "characterkit.json").write_text(json.dumps(card))
    return folder


