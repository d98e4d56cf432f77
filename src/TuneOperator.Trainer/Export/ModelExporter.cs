using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TuneOperator.Api;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Trainer.Models;
using TuneOperator.Trainer.Peft;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Export;

/// <summary>
/// Writes models in Hugging Face layout (config.json, model.safetensors, tokenizer files) and LoRA adapters in
/// PEFT's layout (adapter_config.json, adapter_model.safetensors), and loads adapters back onto a base model.
/// Exports go through <see cref="ExportDirectory"/>: staged, then swapped in replacing only the export's own files, so
/// checkpoints and anything else kept in the output directory stay where they are.
/// </summary>
public static class ModelExporter
{
    /// <summary>The adapter config's file name.</summary>
    public const string AdapterConfigFileName = "adapter_config.json";

    /// <summary>The adapter weights' file name.</summary>
    public const string AdapterWeightsFileName = "adapter_model.safetensors";

    /// <summary>The format <see cref="SaveModel"/> records in the export manifest.</summary>
    public const string MergedFormat = "merged";

    /// <summary>The format <see cref="SaveAdapter"/> records in the export manifest.</summary>
    public const string AdapterFormat = "adapter";

    /// <summary>The tokenizer and generation files copied from the base model when present.</summary>
    public static IReadOnlyList<string> TokenizerFiles { get; } =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "vocab.json",
        "merges.txt", "added_tokens.json", "chat_template.jinja", "generation_config.json",
    ];

    private static readonly Dictionary<string, string> Metadata = new(StringComparer.Ordinal) { ["format"] = "pt" };

    /// <summary>
    /// Saves <paramref name="model"/> as a Hugging Face model directory. LoRA adapters are merged into the stored
    /// weights (the model itself is not changed), so the result loads as a plain model.
    /// </summary>
    public static void SaveModel(LanguageModel model, string directory, ModelExportOptions? options = null)
    {
        options ??= new ModelExportOptions();
        var dtype = options.Dtype ?? model.parameters().First().dtype;
        var loraWeights = Lora.FindLayers(model).ToDictionary(entry => entry.Name + ".weight", entry => entry.Layer, StringComparer.Ordinal);
        var tensors = model.state_dict()
            .Where(pair => !pair.Key.Contains(".lora_A.", StringComparison.Ordinal) && !pair.Key.Contains(".lora_B.", StringComparison.Ordinal))
            .ToList();
        var specs = tensors.Select(pair => new SafetensorsTensorSpec(pair.Key, SafetensorsTensors.ToSafetensors(dtype), pair.Value.shape)).ToList();
        ReadOnlyMemory<byte> DataOf(int index)
        {
            var (name, tensor) = tensors[index];
            if (!loraWeights.TryGetValue(name, out var layer))
            {
                return SafetensorsTensors.ToEntry(name, tensor, dtype).Data;
            }

            using var merged = layer.MergedWeight();
            return SafetensorsTensors.ToEntry(name, merged, dtype).Data;
        }

        var config = model.Config with { TorchDtype = SafetensorsTensors.ToTorchDtypeName(dtype) };
        ExportDirectory.Write(directory, MergedFormat, temporary =>
        {
            config.Save(temporary);
            SafetensorsWriter.Write(Path.Combine(temporary, SafetensorsCheckpoint.SingleFileName), specs, DataOf, Metadata);
            CopyTokenizerFiles(options.TokenizerSource, temporary);
        });
    }

    /// <summary>Saves the adapter of <paramref name="model"/> in PEFT's layout.</summary>
    /// <param name="model">The model carrying the adapter.</param>
    /// <param name="adapter">The adapter <see cref="Lora.Apply"/> returned.</param>
    /// <param name="directory">The output directory.</param>
    /// <param name="baseModelNameOrPath">Written as <c>base_model_name_or_path</c>.</param>
    /// <param name="tokenizerSource">A directory whose tokenizer files are copied alongside; null copies none.</param>
    public static void SaveAdapter(LanguageModel model, LoraAdapter adapter, string directory, string baseModelNameOrPath, string? tokenizerSource = null)
    {
        var entries = Lora.AdapterTensors(model, adapter).Select(entry => SafetensorsTensors.ToEntry(entry.Name, entry.Tensor)).ToList();
        var config = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = model.Config.Head == ModelHead.SequenceClassification ? "SEQ_CLS" : "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModelNameOrPath,
            ["r"] = adapter.Options.Rank,
            ["lora_alpha"] = adapter.Options.Alpha,
            ["lora_dropout"] = adapter.Options.Dropout,
            ["target_modules"] = new JsonArray([.. adapter.TargetNames.Select(name => (JsonNode?)JsonValue.Create(name))]),
            ["modules_to_save"] = adapter.ModulesToSave.Count == 0 ? null : new JsonArray([.. adapter.ModulesToSave.Select(name => (JsonNode?)JsonValue.Create(name))]),
            ["fan_in_fan_out"] = adapter.FanInFanOut,
            ["bias"] = "none",
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["use_rslora"] = false,
            ["use_dora"] = false,
            ["layers_to_transform"] = null,
            ["layers_pattern"] = null,
            ["revision"] = null,
        };
        ExportDirectory.Write(directory, AdapterFormat, temporary =>
        {
            File.WriteAllText(Path.Combine(temporary, AdapterConfigFileName), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            SafetensorsWriter.Write(Path.Combine(temporary, AdapterWeightsFileName), entries, Metadata);
            CopyTokenizerFiles(tokenizerSource, temporary);
        });
    }

    /// <summary>
    /// Reads a PEFT LoRA adapter directory, applies an adapter with its settings to <paramref name="model"/> and
    /// loads its weights. Errors name the file and the field or tensor.
    /// </summary>
    public static LoraAdapter LoadAdapter(LanguageModel model, string directory)
    {
        var configPath = Path.Combine(directory, AdapterConfigFileName);
        var options = ReadAdapterOptions(configPath, model);
        var adapter = Lora.Apply(model, options);
        var weightsPath = Path.Combine(directory, AdapterWeightsFileName);
        using var file = SafetensorsFile.Open(weightsPath);
        var expected = Lora.AdapterTensors(model, adapter).ToDictionary(entry => entry.Name, entry => entry.Tensor, StringComparer.Ordinal);
        var problems = new List<string>();
        using (torch.no_grad())
        {
            foreach (var (name, info) in file.Header.Tensors)
            {
                if (!expected.Remove(name, out var target))
                {
                    problems.Add($"unexpected tensor '{name}' ({info.ShapeText}): the adapter's target modules have no such parameter");
                    continue;
                }

                if (!info.Shape.SequenceEqual(target.shape))
                {
                    problems.Add($"tensor '{name}' has shape {info.ShapeText} but the model expects {SafetensorsTensorInfo.FormatShape(target.shape)}");
                    continue;
                }

                using var source = SafetensorsTensors.ToTensor(info, file.ReadBytes(name));
                target.copy_(source);
            }
        }

        problems.AddRange(expected.Select(pair => $"missing tensor '{pair.Key}' with shape {SafetensorsTensorInfo.FormatShape(pair.Value.shape)}"));
        if (problems.Count > 0)
        {
            throw new ModelFileException($"{weightsPath}: the adapter does not fit the model: {string.Join("; ", problems.Take(10))}.");
        }

        return adapter;
    }

    private static LoraOptions ReadAdapterOptions(string path, LanguageModel model)
    {
        if (!File.Exists(path))
        {
            throw new ModelFileException($"{path}: adapter_config.json is missing; a PEFT adapter directory needs it.");
        }

        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ModelFileException($"{path}: the adapter config must be a JSON object.");
        }
        catch (JsonException exception)
        {
            throw new ModelFileException($"{path}: the adapter config is not valid JSON: {exception.Message}", exception);
        }

        var peftType = json["peft_type"]?.GetValue<string>();
        if (peftType != "LORA")
        {
            throw new ModelFileException($"{path}: peft_type is '{peftType ?? "(missing)"}'; only LORA adapters are supported.");
        }

        var taskType = json["task_type"]?.GetValue<string>();
        var wantsClassifier = taskType == "SEQ_CLS";
        if (wantsClassifier != (model.Config.Head == ModelHead.SequenceClassification))
        {
            throw new ModelFileException($"{path}: task_type '{taskType}' does not fit the model's head ({model.Config.Head}); load the base model with the matching head.");
        }

        var targets = json["target_modules"] switch
        {
            JsonArray array => array.Select(node => node?.GetValue<string>() ?? string.Empty).ToList(),
            JsonValue value when value.GetValue<string>() == LoraOptions.AllLinear => [LoraOptions.AllLinear],
            _ => throw new ModelFileException($"{path}: target_modules must be a list of module names (regular expressions are not supported)."),
        };

        try
        {
            var options = new LoraOptions(
                json["r"]?.GetValue<int>() ?? throw new ModelFileException($"{path}: the field 'r' is missing."),
                json["lora_alpha"]?.GetValue<double>() ?? throw new ModelFileException($"{path}: the field 'lora_alpha' is missing."),
                json["lora_dropout"]?.GetValue<double>() ?? 0,
                targets);
            options.Validate();
            return options;
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new ModelFileException($"{path}: {exception.Message}", exception);
        }
    }

    private static void CopyTokenizerFiles(string? source, string destination)
    {
        if (source is null)
        {
            return;
        }

        foreach (var name in TokenizerFiles)
        {
            var path = Path.Combine(source, name);
            if (File.Exists(path))
            {
                File.Copy(path, Path.Combine(destination, name));
            }
        }
    }
}
