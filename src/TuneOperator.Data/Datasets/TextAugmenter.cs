using System.Text;
using System.Text.RegularExpressions;

namespace TuneOperator.Data.Datasets;

/// <summary>
/// Makes the seeded variants of <see cref="AugmentationOptions"/>. The variants of a row depend only on the seed and the
/// row's content, not on its position or on other rows, so they are the same on every run.
/// </summary>
public sealed class TextAugmenter
{
    private readonly AugmentationOptions options;
    private readonly Regex? counterfactual;
    private readonly Dictionary<string, string> counterparts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates an augmenter; the options must be valid.</summary>
    public TextAugmenter(AugmentationOptions options)
    {
        this.options = options;
        foreach (var pair in options.CounterfactualPairs)
        {
            counterparts.TryAdd(pair.First, pair.Second);
            counterparts.TryAdd(pair.Second, pair.First);
        }

        if (counterparts.Count > 0)
        {
            var alternatives = string.Join('|', counterparts.Keys.OrderByDescending(k => k.Length).Select(Regex.Escape));
            counterfactual = new Regex($@"\b(?:{alternatives})\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>
    /// The variants of <paramref name="row"/>: up to <see cref="AugmentationOptions.VariantsPerRow"/> noisy ones when
    /// the row is selected, then the counterfactual one; variants equal to the row or to each other are left out.
    /// </summary>
    /// <param name="row">The row.</param>
    /// <param name="rowHash">A hash of the row's content (from its normalised key).</param>
    public IReadOnlyList<DataRow> Variants(DataRow row, ulong rowHash)
    {
        if (row is CompletionRow)
        {
            return [];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal) { row.ExactKey() };
        var variants = new List<DataRow>();
        var selector = new DeterministicRandom(options.Seed, rowHash, 0);
        if (options.VariantsPerRow > 0 && selector.NextDouble() < options.Probability)
        {
            for (var v = 1; v <= options.VariantsPerRow; v++)
            {
                var random = new DeterministicRandom(options.Seed, rowHash, (ulong)v);
                Add(Map(row, text => Noise(text, random)));
            }
        }

        if (counterfactual is not null)
        {
            Add(Map(row, Counterfactual));
        }

        return variants;

        void Add(DataRow variant)
        {
            if (!variant.IsEmpty && seen.Add(variant.ExactKey()))
            {
                variants.Add(variant);
            }
        }
    }

    /// <summary>Exchanges the counterfactual terms in <paramref name="text"/>, keeping an initial capital or all capitals.</summary>
    public string Counterfactual(string text) =>
        counterfactual is null ? text : counterfactual.Replace(text, match => MatchCase(match.Value, counterparts[match.Value]));

    private string Noise(string text, DeterministicRandom random)
    {
        var lines = text.Split('\n');
        var builder = new StringBuilder(text.Length + 8);
        for (var l = 0; l < lines.Length; l++)
        {
            if (l > 0)
            {
                builder.Append('\n');
            }

            var words = lines[l].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            for (var i = words.Count - 1; i >= 0 && words.Count > 1; i--)
            {
                if (random.NextDouble() < options.WordDropout)
                {
                    words.RemoveAt(i);
                }
            }

            for (var i = 0; i + 1 < words.Count; i++)
            {
                if (random.NextDouble() < options.WordSwap)
                {
                    (words[i], words[i + 1]) = (words[i + 1], words[i]);
                    i++;
                }
            }

            for (var i = 0; i < words.Count; i++)
            {
                if (random.NextDouble() < options.CaseNoise)
                {
                    words[i] = random.NextInt(3) switch
                    {
                        0 => words[i].ToLowerInvariant(),
                        1 => words[i].ToUpperInvariant(),
                        _ => words[i].Length == 0 ? words[i] : char.ToUpperInvariant(words[i][0]) + words[i][1..].ToLowerInvariant(),
                    };
                }
            }

            for (var i = 0; i < words.Count; i++)
            {
                if (i > 0)
                {
                    builder.Append(random.NextDouble() < options.WhitespaceNoise ? "  " : " ");
                }

                builder.Append(words[i]);
            }
        }

        return builder.ToString();
    }

    private static string MatchCase(string original, string replacement)
    {
        if (original.Length > 1 && original.All(c => !char.IsLetter(c) || char.IsUpper(c)))
        {
            return replacement.ToUpperInvariant();
        }

        return char.IsUpper(original[0]) ? char.ToUpperInvariant(replacement[0]) + replacement[1..] : replacement;
    }

    private static DataRow Map(DataRow row, Func<string, string> change) => row switch
    {
        InstructionRow r => r with { Instruction = change(r.Instruction), Input = r.Input is null ? null : change(r.Input) },
        ChatRow r => new ChatRow([.. r.Messages.Select(m => m.Role == "user" ? m with { Content = change(m.Content) } : m)]),
        ClassificationRow r => r with { Text = change(r.Text) },
        _ => row,
    };
}
