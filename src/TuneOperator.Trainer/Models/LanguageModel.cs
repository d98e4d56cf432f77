using TorchSharp;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>
/// A Hugging Face-compatible model: a <see cref="DecoderBackbone"/> registered under <c>model</c> (Llama family) or
/// <c>transformer</c> (GPT-2), plus a head. Its state-dict keys are exactly the Hugging Face keys.
/// </summary>
public abstract class LanguageModel : nn.Module<Tensor, Tensor>
{
    /// <summary>Registers <paramref name="backbone"/> under its Hugging Face prefix.</summary>
    protected LanguageModel(string name, ModelConfig config, DecoderBackbone backbone)
        : base(name)
    {
        Config = config;
        // Registered by name only: a field holding it would be registered a second time under the field's name.
        register_module(BackbonePrefixFor(config.Family), backbone);
    }

    /// <summary>The model's configuration.</summary>
    public ModelConfig Config { get; }

    /// <summary>The transformer body.</summary>
    public DecoderBackbone Backbone => (DecoderBackbone)named_children().First(child => child.name == BackbonePrefix).module;

    /// <summary>The state-dict prefix of the body: <c>model</c> or <c>transformer</c>.</summary>
    public string BackbonePrefix => BackbonePrefixFor(Config.Family);

    /// <summary>The state-dict prefix of decoder layer <paramref name="index"/>, e.g. <c>model.layers.3.</c>.</summary>
    public string LayerPrefix(int index) => $"{BackbonePrefix}.{Backbone.LayersName}.{index}.";

    /// <summary>The body's prefix for a family.</summary>
    public static string BackbonePrefixFor(ModelFamily family) => family == ModelFamily.Gpt2 ? "transformer" : "model";

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Run(input, null, null);

    /// <summary>Runs the model on token ids [B, T]; see <see cref="DecoderBackbone.Forward"/> for the optional inputs.</summary>
    public abstract Tensor Run(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds);
}
