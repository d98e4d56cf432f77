using static TorchSharp.torch;

namespace TuneOperator.Trainer.Export;

/// <summary>How to write a model directory.</summary>
/// <param name="Dtype">The dtype of the stored weights; null keeps the model's.</param>
/// <param name="TokenizerSource">A directory whose tokenizer files (tokenizer.json, tokenizer_config.json, ...) are
/// copied alongside; null copies none.</param>
public sealed record ModelExportOptions(ScalarType? Dtype = null, string? TokenizerSource = null);
