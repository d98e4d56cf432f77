using TorchSharp;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>Builds models from configs with seeded initialisation.</summary>
public static class ModelFactory
{
    /// <summary>
    /// Creates the model <paramref name="config"/> describes, initialised like Hugging Face does from a generator
    /// seeded with <paramref name="seed"/>: linear and embedding weights from N(0, initializer_range²) (GPT-2's
    /// residual projections scaled by 1/√(2·layers)), biases zero, norm weights one.
    /// </summary>
    public static LanguageModel Create(ModelConfig config, long seed = 0, ScalarType dtype = ScalarType.Float32)
    {
        DecoderBackbone backbone = config.Family == ModelFamily.Gpt2 ? new Gpt2Model(config) : new LlamaModel(config);
        LanguageModel model = config.Head == ModelHead.SequenceClassification
            ? new SequenceClassificationModel(config, backbone)
            : new CausalLanguageModel(config, backbone);
        Initialize(model, seed);
        if (dtype != ScalarType.Float32)
        {
            model.to(dtype);
        }

        return model;
    }

    /// <summary>Re-initialises every parameter of <paramref name="model"/> from <paramref name="seed"/>.</summary>
    public static void Initialize(LanguageModel model, long seed)
    {
        using var generator = new Generator((ulong)seed);
        var std = model.Config.InitializerRange;
        var residualStd = std / Math.Sqrt(2.0 * model.Config.NumLayers);
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (parameter.dim() == 1)
            {
                var isNormWeight = name.EndsWith(".weight", StringComparison.Ordinal)
                    && (name.Contains("norm", StringComparison.Ordinal) || name.Contains(".ln_", StringComparison.Ordinal));
                parameter.fill_(isNormWeight ? 1.0 : 0.0);
            }
            else
            {
                var gpt2Residual = model.Config.Family == ModelFamily.Gpt2 && name.EndsWith("c_proj.weight", StringComparison.Ordinal);
                parameter.normal_(0, gpt2Residual ? residualStd : std, generator);
            }
        }
    }
}
