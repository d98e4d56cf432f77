using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneOperator.Data.ModelFiles;

/// <summary>
/// A Hugging Face <c>config.json</c> reduced to what the trainer needs, in one vocabulary for both families (GPT-2's
/// <c>n_embd</c>, <c>n_layer</c>, ... are mapped to the Llama names). The original JSON is kept so that a saved config
/// carries the base model's other fields (token ids, generation settings) unchanged.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>The file name inside a model directory.</summary>
    public const string FileName = "config.json";

    private static readonly Dictionary<string, (string ModelType, ModelFamily Family)> Backbones = new(StringComparer.Ordinal)
    {
        ["Llama"] = ("llama", ModelFamily.Llama),
        ["Mistral"] = ("mistral", ModelFamily.Llama),
        ["Qwen2"] = ("qwen2", ModelFamily.Llama),
        ["GPT2"] = ("gpt2", ModelFamily.Gpt2),
    };

    /// <summary>The architectures this trainer loads, as written in config.json's <c>architectures</c>.</summary>
    public static IReadOnlyList<string> SupportedArchitectures { get; } =
    [
        "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "GPT2LMHeadModel",
        "LlamaForSequenceClassification", "MistralForSequenceClassification", "Qwen2ForSequenceClassification", "GPT2ForSequenceClassification",
    ];

    /// <summary>The Hugging Face <c>model_type</c>: llama, mistral, qwen2 or gpt2.</summary>
    public required string ModelType { get; init; }

    /// <summary>The network family.</summary>
    public required ModelFamily Family { get; init; }

    /// <summary>The head the checkpoint was saved with.</summary>
    public ModelHead Head { get; init; } = ModelHead.CausalLM;

    /// <summary>Vocabulary size (rows of the embedding).</summary>
    public required int VocabSize { get; init; }

    /// <summary>Model width.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Number of decoder layers.</summary>
    public required int NumLayers { get; init; }

    /// <summary>Number of query heads.</summary>
    public required int NumHeads { get; init; }

    /// <summary>Number of key/value heads (grouped-query attention); equals <see cref="NumHeads"/> for GPT-2.</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary>Width of the MLP's inner layer.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Maximum sequence length (the size of GPT-2's position table).</summary>
    public required int MaxPositions { get; init; }

    /// <summary>Epsilon of RMSNorm / LayerNorm.</summary>
    public double NormEps { get; init; } = 1e-6;

    /// <summary>RoPE base (Llama family).</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary>RoPE scaling (Llama 3.1/3.2 <c>llama3</c>, or <c>linear</c>); null for none.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>Whether the output head shares the embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Whether q/k/v projections have a bias (always for Qwen2).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Number of labels of a classification head.</summary>
    public int NumLabels { get; init; } = 2;

    /// <summary>The padding token id, used by the classification head to find the last real token.</summary>
    public int? PadTokenId { get; init; }

    /// <summary>The dtype the weights were saved in (<c>torch_dtype</c>), e.g. float32 or bfloat16.</summary>
    public string TorchDtype { get; init; } = "float32";

    /// <summary>Standard deviation of the initial weights.</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>The original JSON, if the config was read from a file.</summary>
    public JsonObject? Source { get; init; }

    /// <summary>Size of one attention head.</summary>
    public int HeadDim => HiddenSize / NumHeads;

    /// <summary>The <c>architectures</c> entry for this config's family and head.</summary>
    public string Architecture
    {
        get
        {
            var prefix = Backbones.First(pair => pair.Value.ModelType == ModelType).Key;
            return (Family, Head) switch
            {
                (ModelFamily.Gpt2, ModelHead.CausalLM) => "GPT2LMHeadModel",
                (_, ModelHead.CausalLM) => prefix + "ForCausalLM",
                _ => prefix + "ForSequenceClassification",
            };
        }
    }

    /// <summary>Reads <c>config.json</c> from a model directory.</summary>
    public static ModelConfig Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new ModelFileException($"{path}: config.json is missing; a Hugging Face model directory needs it.");
        }

        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new ModelFileException($"{path}: config.json must hold a JSON object.");
        }
        catch (JsonException exception)
        {
            throw new ModelFileException($"{path}: config.json is not valid JSON: {exception.Message}", exception);
        }

        return Parse(json, path);
    }

    /// <summary>Interprets a parsed config.json; <paramref name="path"/> is used in error messages.</summary>
    public static ModelConfig Parse(JsonObject json, string path)
    {
        var architecture = (json["architectures"] as JsonArray)?.FirstOrDefault()?.GetValue<string>();
        var modelType = Text(json, "model_type", path);
        if (architecture is null || !SupportedArchitectures.Contains(architecture))
        {
            throw new ModelFileException($"{path}: architectures[0] is '{architecture ?? "(missing)"}' (model_type '{modelType ?? "(missing)"}'), which this trainer does not implement; supported: {string.Join(", ", SupportedArchitectures)}.");
        }

        var prefix = Backbones.Keys.First(key => architecture.StartsWith(key, StringComparison.Ordinal));
        var (type, family) = Backbones[prefix];
        var head = architecture.EndsWith("ForSequenceClassification", StringComparison.Ordinal) ? ModelHead.SequenceClassification : ModelHead.CausalLM;
        var numLabels = json["id2label"] is JsonObject labels ? labels.Count : Integer(json, "num_labels", path) ?? 2;
        var padTokenId = Integer(json, "pad_token_id", path);
        var dtype = Text(json, "torch_dtype", path) ?? Text(json, "dtype", path) ?? "float32";
        var range = Number(json, "initializer_range", path) ?? 0.02;

        ModelConfig config;
        if (family == ModelFamily.Gpt2)
        {
            var hidden = Required(json, "n_embd", path);
            var heads = Required(json, "n_head", path);
            config = new ModelConfig
            {
                ModelType = type,
                Family = family,
                Head = head,
                VocabSize = Required(json, "vocab_size", path),
                HiddenSize = hidden,
                NumLayers = Required(json, "n_layer", path),
                NumHeads = heads,
                NumKeyValueHeads = heads,
                IntermediateSize = Integer(json, "n_inner", path) ?? 4 * hidden,
                MaxPositions = Required(json, "n_positions", path),
                NormEps = Number(json, "layer_norm_epsilon", path) ?? 1e-5,
                TieWordEmbeddings = true,
                AttentionBias = true,
                NumLabels = numLabels,
                PadTokenId = padTokenId,
                TorchDtype = dtype,
                InitializerRange = range,
                Source = json,
            };
        }
        else
        {
            var heads = Required(json, "num_attention_heads", path);
            config = new ModelConfig
            {
                ModelType = type,
                Family = family,
                Head = head,
                VocabSize = Required(json, "vocab_size", path),
                HiddenSize = Required(json, "hidden_size", path),
                NumLayers = Required(json, "num_hidden_layers", path),
                NumHeads = heads,
                NumKeyValueHeads = Integer(json, "num_key_value_heads", path) ?? heads,
                IntermediateSize = Required(json, "intermediate_size", path),
                MaxPositions = Integer(json, "max_position_embeddings", path) ?? 2048,
                NormEps = Number(json, "rms_norm_eps", path) ?? 1e-6,
                RopeTheta = Number(json, "rope_theta", path) ?? 10000,
                RopeScaling = ReadRopeScaling(json, path),
                TieWordEmbeddings = Boolean(json, "tie_word_embeddings", path) ?? false,
                AttentionBias = type == "qwen2" || (Boolean(json, "attention_bias", path) ?? false),
                NumLabels = numLabels,
                PadTokenId = padTokenId,
                TorchDtype = dtype,
                InitializerRange = range,
                Source = json,
            };
            RejectUnsupported(json, path);
        }

        config.Validate(path);
        return config;
    }

    /// <summary>Checks the sizes fit together; the message names the field and how to fix it.</summary>
    public void Validate(string path)
    {
        void Positive(int value, string field)
        {
            if (value <= 0)
            {
                throw new ModelFileException($"{path}: {field} must be a positive integer (got {value}).");
            }
        }

        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(NumLayers, "num_hidden_layers");
        Positive(NumHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        Positive(IntermediateSize, "intermediate_size");
        Positive(MaxPositions, "max_position_embeddings");
        Positive(NumLabels, "num_labels");
        if (HiddenSize % NumHeads != 0)
        {
            throw new ModelFileException($"{path}: hidden_size {HiddenSize} must be divisible by num_attention_heads {NumHeads}.");
        }

        if (NumHeads % NumKeyValueHeads != 0)
        {
            throw new ModelFileException($"{path}: num_attention_heads {NumHeads} must be a multiple of num_key_value_heads {NumKeyValueHeads}.");
        }

        if (Family == ModelFamily.Llama && HeadDim % 2 != 0)
        {
            throw new ModelFileException($"{path}: the head size hidden_size / num_attention_heads = {HeadDim} must be even for rotary embeddings.");
        }
    }

    /// <summary>
    /// Renders config.json: the source JSON (if any) with the trainer's fields written over it in the family's own
    /// field names, so Hugging Face tooling reads it back.
    /// </summary>
    public JsonObject ToJson()
    {
        var json = Source?.DeepClone() as JsonObject ?? [];
        json["architectures"] = new JsonArray(Architecture);
        json["model_type"] = ModelType;
        json["vocab_size"] = VocabSize;
        json["torch_dtype"] = TorchDtype;
        json["initializer_range"] = InitializerRange;
        json["tie_word_embeddings"] = TieWordEmbeddings;
        if (Family == ModelFamily.Gpt2)
        {
            json["n_embd"] = HiddenSize;
            json["n_layer"] = NumLayers;
            json["n_head"] = NumHeads;
            json["n_inner"] = IntermediateSize;
            json["n_positions"] = MaxPositions;
            json["n_ctx"] = MaxPositions;
            json["layer_norm_epsilon"] = NormEps;
            json["activation_function"] = "gelu_new";
        }
        else
        {
            json["hidden_size"] = HiddenSize;
            json["num_hidden_layers"] = NumLayers;
            json["num_attention_heads"] = NumHeads;
            json["num_key_value_heads"] = NumKeyValueHeads;
            json["intermediate_size"] = IntermediateSize;
            json["max_position_embeddings"] = MaxPositions;
            json["rms_norm_eps"] = NormEps;
            json["rope_theta"] = RopeTheta;
            json["hidden_act"] = "silu";
            if (ModelType != "qwen2")
            {
                json["attention_bias"] = AttentionBias;
            }
        }

        if (Head == ModelHead.SequenceClassification)
        {
            var id2label = new JsonObject();
            var label2id = new JsonObject();
            var existing = json["id2label"] as JsonObject;
            for (var i = 0; i < NumLabels; i++)
            {
                var key = i.ToString(CultureInfo.InvariantCulture);
                var label = existing?[key]?.GetValue<string>() ?? "LABEL_" + key;
                id2label[key] = label;
                label2id[label] = i;
            }

            json["id2label"] = id2label;
            json["label2id"] = label2id;
        }

        if (PadTokenId is { } pad)
        {
            json["pad_token_id"] = pad;
        }

        return json;
    }

    /// <summary>Writes config.json into <paramref name="directory"/>.</summary>
    public void Save(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    private static void RejectUnsupported(JsonObject json, string path)
    {
        if (Boolean(json, "mlp_bias", path) == true)
        {
            throw new ModelFileException($"{path}: mlp_bias true is not supported; only bias-free MLPs are.");
        }

        if (Text(json, "hidden_act", path) is { } act && act != "silu")
        {
            throw new ModelFileException($"{path}: hidden_act '{act}' is not supported for Llama-family models; only 'silu' is.");
        }

        if (Integer(json, "head_dim", path) is { } headDim
            && headDim * Required(json, "num_attention_heads", path) != Required(json, "hidden_size", path))
        {
            throw new ModelFileException($"{path}: head_dim {headDim} differs from hidden_size / num_attention_heads; such models are not supported.");
        }
    }

    private static RopeScaling? ReadRopeScaling(JsonObject json, string path)
    {
        if (json["rope_scaling"] is not JsonObject scaling)
        {
            return null;
        }

        var type = Text(scaling, "rope_type", path) ?? Text(scaling, "type", path);
        var factor = Number(scaling, "factor", path);
        if (type is not ("linear" or "llama3") || factor is not > 0)
        {
            throw new ModelFileException($"{path}: rope_scaling ({scaling.ToJsonString()}) is not supported; only rope_type linear and llama3 with a positive factor are.");
        }

        return type == "linear"
            ? new RopeScaling(type, factor.Value)
            : new RopeScaling(
                type,
                factor.Value,
                Number(scaling, "low_freq_factor", path) ?? 1,
                Number(scaling, "high_freq_factor", path) ?? 4,
                Integer(scaling, "original_max_position_embeddings", path) ?? 8192);
    }

    private static int Required(JsonObject json, string field, string path) =>
        Integer(json, field, path) ?? throw new ModelFileException($"{path}: the required field '{field}' is missing.");

    private static int? Integer(JsonObject json, string field, string path)
    {
        var node = json[field];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.TryGetValue<int>(out var number))
        {
            return number;
        }

        if (node is JsonArray { Count: > 0 } array && array[0] is JsonValue first && first.TryGetValue<int>(out var firstNumber))
        {
            return firstNumber;
        }

        throw new ModelFileException($"{path}: '{field}' must be an integer (got {node.ToJsonString()}).");
    }

    private static double? Number(JsonObject json, string field, string path)
    {
        var node = json[field];
        return node is null ? null
            : node is JsonValue value && value.TryGetValue<double>(out var number) ? number
            : throw new ModelFileException($"{path}: '{field}' must be a number (got {node.ToJsonString()}).");
    }

    private static bool? Boolean(JsonObject json, string field, string path)
    {
        var node = json[field];
        return node is null ? null
            : node is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag
            : throw new ModelFileException($"{path}: '{field}' must be true or false (got {node.ToJsonString()}).");
    }

    private static string? Text(JsonObject json, string field, string path)
    {
        var node = json[field];
        return node is null ? null
            : node is JsonValue value && value.TryGetValue<string>(out var text) ? text
            : throw new ModelFileException($"{path}: '{field}' must be a string (got {node.ToJsonString()}).");
    }
}
