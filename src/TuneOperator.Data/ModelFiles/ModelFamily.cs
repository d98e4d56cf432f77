namespace TuneOperator.Data.ModelFiles;

/// <summary>The network families the trainer implements.</summary>
public enum ModelFamily
{
    /// <summary>Llama-style decoders: Llama, Mistral, Qwen2, SmolLM (RMSNorm, RoPE, grouped-query attention, SwiGLU).</summary>
    Llama,

    /// <summary>GPT-2 (learned positions, LayerNorm, Conv1D projections, gelu_new).</summary>
    Gpt2,
}

/// <summary>Which output head a model carries.</summary>
public enum ModelHead
{
    /// <summary>A language-model head over the vocabulary (<c>lm_head</c>).</summary>
    CausalLM,

    /// <summary>A <c>score</c> linear over the last non-padding token, like <c>*ForSequenceClassification</c>.</summary>
    SequenceClassification,
}
