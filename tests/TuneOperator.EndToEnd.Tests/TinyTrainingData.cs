using System.Text.Json;
using TuneOperator.Data.Tokenization;

namespace TuneOperator.EndToEnd.Tests;

/// <summary>
/// Writes what a tiny job needs into the folder of a PersistentVolumeClaim: a byte-level BPE tokenizer built from the
/// test's own sentences (<c>tokenizer/</c>) and a completion dataset of those sentences (<c>train.jsonl</c>). Nothing is
/// downloaded; the same seed gives the same files.
/// </summary>
internal static class TinyTrainingData
{
    /// <summary>The tokenizer folder inside the claim.</summary>
    public const string TokenizerFolder = "tokenizer";

    /// <summary>The training file inside the claim.</summary>
    public const string TrainFile = "train.jsonl";

    private static readonly string[] Subjects = ["a child", "my sister", "the farmer", "a student", "the cat", "an old man"];
    private static readonly string[] Verbs = ["opened", "watched", "cleaned", "found", "painted", "carried"];
    private static readonly string[] Objects = ["the box", "a red door", "the blue boat", "a small chair", "the garden gate"];
    private static readonly string[] Places = ["on the hill", "near the river", "in the garden", "at the market", "by the sea"];

    private static readonly Lazy<TokenizerFiles> Tokenizer = new(() => new TokenizerBuilder { VocabularySize = 320 }.Build(Sentences(400, seed: 1)));

    /// <summary>Writes the tokenizer and <paramref name="rows"/> training rows into <paramref name="claimDirectory"/>; returns the vocabulary size.</summary>
    public static int Write(string claimDirectory, int rows)
    {
        var tokenizerDirectory = Path.Combine(claimDirectory, TokenizerFolder);
        Tokenizer.Value.Save(tokenizerDirectory);
        File.WriteAllLines(
            Path.Combine(claimDirectory, TrainFile),
            Sentences(rows, seed: 2).Select(text => JsonSerializer.Serialize(new { text })));
        return HuggingFaceTokenizer.Load(tokenizerDirectory).VocabularySize;
    }

    /// <summary>Overwrites the training file with lines that are not JSON, so every row is dropped as malformed.</summary>
    public static void WriteMalformed(string claimDirectory, int rows) =>
        File.WriteAllLines(Path.Combine(claimDirectory, TrainFile), Enumerable.Range(0, rows).Select(i => "this is not json, row " + i));

    private static IEnumerable<string> Sentences(int count, int seed)
    {
        var random = new Random(seed);
        string Pick(string[] words) => words[random.Next(words.Length)];
        for (var i = 0; i < count; i++)
        {
            yield return $"{Pick(Subjects)} {Pick(Verbs)} {Pick(Objects)} {Pick(Places)}. {Pick(Subjects)} {Pick(Verbs)} {Pick(Objects)}.";
        }
    }
}
