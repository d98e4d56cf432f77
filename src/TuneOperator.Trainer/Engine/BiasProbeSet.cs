using System.Text.Json;
using TuneOperator.Data.Tokenization;
using TuneOperator.Trainer.Evaluation;

namespace TuneOperator.Trainer.Engine;

/// <summary>
/// Reads a bias-probe set: JSON Lines rows <c>{"group": "...", "text": "..."}</c> in exactly two groups; the n-th text of
/// the first group (in file order) is paired with the n-th text of the second, so the file lists counterfactual
/// variants of the same prompts in the same order for each group.
/// </summary>
public static class BiasProbeSet
{
    /// <summary>The tokenized counterfactual pairs of <paramref name="path"/>.</summary>
    /// <exception cref="Control.TrainingFailedException">The file is missing or malformed (reason InvalidDataset, naming file:line).</exception>
    public static IReadOnlyList<CounterfactualPair> Read(string path, ITextTokenizer tokenizer)
    {
        var groups = new List<(string Name, List<IReadOnlyList<int>> Texts)>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception missing) when (missing is IOException or UnauthorizedAccessException)
        {
            throw Invalid($"evaluation.biasProbe.dataset {path} cannot be read: {missing.Message}");
        }

        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            string? group;
            string? text;
            try
            {
                using var row = JsonDocument.Parse(lines[i]);
                group = row.RootElement.TryGetProperty("group", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
                text = row.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
            catch (JsonException bad)
            {
                throw Invalid($"{path}:{i + 1}: not a JSON object: {bad.Message}");
            }

            if (string.IsNullOrEmpty(group) || string.IsNullOrEmpty(text))
            {
                throw Invalid($"{path}:{i + 1}: a bias-probe row needs string fields group and text.");
            }

            var entry = groups.FirstOrDefault(x => x.Name == group);
            if (entry.Texts is null)
            {
                entry = (group, []);
                groups.Add(entry);
            }

            entry.Texts.Add(tokenizer.Encode(text, addSpecialTokens: true));
        }

        if (groups.Count != 2 || groups[0].Texts.Count != groups[1].Texts.Count)
        {
            throw Invalid($"{path}: a bias-probe set needs exactly two groups with the same number of rows (found {string.Join(", ", groups.Select(g => $"{g.Name}: {g.Texts.Count}"))}).");
        }

        return [.. groups[0].Texts.Zip(groups[1].Texts, (first, second) => new CounterfactualPair(first, second))];
    }

    private static Control.TrainingFailedException Invalid(string message)
        => new(EngineTrainingRunner.InvalidDataset, message, permanent: true);
}
