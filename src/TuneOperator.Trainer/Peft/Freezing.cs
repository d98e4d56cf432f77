using TuneOperator.Trainer.Models;

namespace TuneOperator.Trainer.Peft;

/// <summary>Freezes the embeddings and the first decoder layers (method <c>freeze</c>).</summary>
public static class Freezing
{
    /// <summary>
    /// Marks the parameters of decoder layers 0..<paramref name="layers"/>-1 (and, with
    /// <paramref name="embeddings"/>, the embeddings, which a tied head shares) as not requiring gradients, so an
    /// optimizer over <see cref="Lora.TrainableParameters"/> leaves them bit-identical. Returns the frozen names.
    /// </summary>
    public static IReadOnlyList<string> FreezeFirstLayers(LanguageModel model, int layers, bool embeddings = true)
    {
        if (layers < 0 || layers > model.Config.NumLayers)
        {
            throw new ArgumentOutOfRangeException(nameof(layers), layers, $"freeze.layers must be between 0 and the model's {model.Config.NumLayers} layers.");
        }

        var prefixes = Enumerable.Range(0, layers).Select(model.LayerPrefix).ToList();
        if (embeddings)
        {
            prefixes.AddRange(model.Backbone.EmbeddingNames.Select(name => $"{model.BackbonePrefix}.{name}."));
        }

        var frozen = new List<string>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (prefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
            {
                parameter.requires_grad = false;
                frozen.Add(name);
            }
        }

        return frozen;
    }
}
