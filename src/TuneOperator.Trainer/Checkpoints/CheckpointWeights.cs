namespace TuneOperator.Trainer.Checkpoints;

/// <summary>Which weights a checkpoint stores.</summary>
public enum CheckpointWeights
{
    /// <summary>The whole state dictionary (parameters and buffers): full fine-tuning.</summary>
    All,

    /// <summary>
    /// Only parameters that require a gradient (LoRA adapters, the unfrozen layers): the rest is reloaded from the
    /// base model on resume.
    /// </summary>
    Trainable,
}
