using TorchSharp;
using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>
/// Loads Hugging Face model directories (config.json plus model.safetensors or a sharded index). Every tensor of the
/// model must be present with the expected shape and every stored tensor must belong to the model; otherwise the
/// error names the tensor, its expected shape and the file.
/// </summary>
public static class ModelLoader
{
    /// <summary>Loads the model in <paramref name="directory"/>.</summary>
    public static LanguageModel Load(string directory, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        var config = ModelConfig.Load(directory);
        var checkpointHead = config.Head;
        if (options.Head is { } head)
        {
            config = config with { Head = head, NumLabels = options.NumLabels ?? config.NumLabels };
        }
        else if (options.NumLabels is { } labels)
        {
            config = config with { NumLabels = labels };
        }

        var model = ModelFactory.Create(config, options.Seed);
        try
        {
            using (var checkpoint = SafetensorsCheckpoint.Open(directory))
            {
                LoadWeights(model, checkpoint, freshHead: checkpointHead != config.Head);
            }

            if (options.Dtype != ScalarType.Float32)
            {
                model.to(options.Dtype);
            }

            if (options.Device is { } device)
            {
                model.to(device);
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies the checkpoint's tensors into <paramref name="model"/> (converting dtypes). With
    /// <paramref name="freshHead"/> the head of the other kind in the file is ignored and the model's own head keeps
    /// its initialisation.
    /// </summary>
    public static void LoadWeights(LanguageModel model, SafetensorsCheckpoint checkpoint, bool freshHead)
    {
        var expected = model.state_dict();
        var problems = new List<string>();
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        using (torch.no_grad())
        {
            foreach (var (storedName, info) in checkpoint.Tensors)
            {
                var name = Normalize(model, storedName);
                if (!expected.TryGetValue(name, out var target))
                {
                    if (!IsIgnorable(model, name, freshHead))
                    {
                        problems.Add($"unexpected tensor '{storedName}' ({info.DType} {info.ShapeText}) in {checkpoint.FileOf(storedName)}: the {model.Config.Architecture} model has no such parameter");
                    }

                    continue;
                }

                if (!info.Shape.SequenceEqual(target.shape))
                {
                    problems.Add($"tensor '{storedName}' in {checkpoint.FileOf(storedName)} has shape {info.ShapeText} but the model expects {SafetensorsTensorInfo.FormatShape(target.shape)}");
                    continue;
                }

                using var source = SafetensorsTensors.ToTensor(info, checkpoint.ReadBytes(storedName));
                target.copy_(source);
                loaded.Add(name);
            }
        }

        var headName = model.Config.Head == ModelHead.SequenceClassification ? "score.weight" : "lm_head.weight";
        foreach (var (name, tensor) in expected)
        {
            if (!loaded.Contains(name) && !(freshHead && name == headName))
            {
                problems.Add($"missing tensor '{name}' with shape {SafetensorsTensorInfo.FormatShape(tensor.shape)}: the checkpoint does not contain it");
            }
        }

        if (problems.Count > 0)
        {
            var shown = string.Join("; ", problems.Take(10));
            var more = problems.Count > 10 ? $" (and {problems.Count - 10} more)" : string.Empty;
            throw new ModelFileException($"The checkpoint does not fit the {model.Config.Architecture} config: {shown}{more}.");
        }
    }

    private static string Normalize(LanguageModel model, string name)
    {
        // GPT-2 checkpoints saved from the bare GPT2Model (openai-community/gpt2) have no "transformer." prefix.
        if (model.Config.Family == ModelFamily.Gpt2
            && !name.StartsWith("transformer.", StringComparison.Ordinal)
            && !name.StartsWith("lm_head.", StringComparison.Ordinal)
            && !name.StartsWith("score.", StringComparison.Ordinal))
        {
            return "transformer." + name;
        }

        return name;
    }

    private static bool IsIgnorable(LanguageModel model, string name, bool freshHead)
    {
        // Non-persistent buffers that older checkpoints carry, and a tied head stored anyway.
        if (name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal)
            || name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal))
        {
            return true;
        }

        if (name == "lm_head.weight" && (model.Config.TieWordEmbeddings || freshHead))
        {
            return true;
        }

        return freshHead && name == "score.weight";
    }
}
