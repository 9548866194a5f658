"""A trained LoRA in GGUF, the format of llama.cpp, LM Studio and Ollama (`characterkit export gguf`).

arch.py: which base architectures convert and how llama.cpp lays their weights out. lora.py: the
adapter GGUF. merge.py: base + LoRA as one GGUF model. modelfile.py: the Ollama Modelfile. run.py:
the command's checks and order of writing. files.py: atomic GGUF writing.
"""
