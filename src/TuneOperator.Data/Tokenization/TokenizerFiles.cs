using System.Text;

namespace TuneOperator.Data.Tokenization;

/// <summary>The two files of a Hugging Face tokenizer, as text.</summary>
/// <param name="TokenizerJson">The content of tokenizer.json.</param>
/// <param name="TokenizerConfigJson">The content of tokenizer_config.json.</param>
public sealed record TokenizerFiles(string TokenizerJson, string TokenizerConfigJson)
{
    /// <summary>Writes tokenizer.json and tokenizer_config.json (UTF-8, no byte order mark) into a directory, creating it if needed.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        File.WriteAllText(Path.Combine(directory, HuggingFaceTokenizer.TokenizerFileName), TokenizerJson, encoding);
        File.WriteAllText(Path.Combine(directory, HuggingFaceTokenizer.ConfigFileName), TokenizerConfigJson, encoding);
    }

    /// <summary>Loads the tokenizer these files describe.</summary>
    public HuggingFaceTokenizer Load() => HuggingFaceTokenizer.FromJson(
        Encoding.UTF8.GetBytes(TokenizerJson),
        Encoding.UTF8.GetBytes(TokenizerConfigJson));
}
