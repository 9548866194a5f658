"""characterkit: turn text into a character you can talk to.

prepare (sources -> samples -> datasets/NAME/), finetune (-> loras/NAME/), chat.
Heavy libraries (torch, transformers, gradio) are imported only inside the stages that need them.
"""

__version__ = "0.1.0"
