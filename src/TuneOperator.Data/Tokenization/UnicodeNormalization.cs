using System.Globalization;
using System.Text;

namespace TuneOperator.Data.Tokenization;

/// <summary>
/// Unicode normalization forms NFC, NFD, NFKC and NFKD from generated tables (UnicodeTables.g.cs), because
/// string.Normalize leaves non-ASCII text unchanged when the process runs with InvariantGlobalization.
/// </summary>
internal static class UnicodeNormalization
{
    private const int HangulSBase = 0xAC00;
    private const int HangulLBase = 0x1100;
    private const int HangulVBase = 0x1161;
    private const int HangulTBase = 0x11A7;
    private const int HangulLCount = 19;
    private const int HangulVCount = 21;
    private const int HangulTCount = 28;
    private const int HangulNCount = HangulVCount * HangulTCount;
    private const int HangulSCount = HangulLCount * HangulNCount;

    private static readonly Lazy<Tables> Data = new(Tables.Load);

    public static string Normalize(string text, NormalizationForm form)
    {
        if (IsAscii(text))
        {
            return text;
        }

        var tables = Data.Value;
        var compatibility = form is NormalizationForm.FormKC or NormalizationForm.FormKD;
        var compose = form is NormalizationForm.FormC or NormalizationForm.FormKC;

        var points = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            Decompose(rune.Value, compatibility, tables, points);
        }

        Reorder(points, tables);
        if (compose)
        {
            Compose(points, tables);
        }

        var builder = new StringBuilder(points.Count);
        foreach (var point in points)
        {
            builder.Append(new Rune(point).ToString());
        }

        return builder.ToString();
    }

    private static bool IsAscii(string text)
    {
        foreach (var c in text)
        {
            if (c > 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    private static void Decompose(int point, bool compatibility, Tables tables, List<int> output)
    {
        if (point is >= HangulSBase and < HangulSBase + HangulSCount)
        {
            var index = point - HangulSBase;
            output.Add(HangulLBase + (index / HangulNCount));
            output.Add(HangulVBase + (index % HangulNCount / HangulTCount));
            var trailing = index % HangulTCount;
            if (trailing != 0)
            {
                output.Add(HangulTBase + trailing);
            }

            return;
        }

        if (tables.Decompositions.TryGetValue(point, out var decomposition) && (compatibility || !decomposition.Compatibility))
        {
            foreach (var part in decomposition.Points)
            {
                Decompose(part, compatibility, tables, output);
            }

            return;
        }

        output.Add(point);
    }

    private static void Reorder(List<int> points, Tables tables)
    {
        // Canonical ordering: a stable insertion sort of each run of non-starters by combining class.
        for (var i = 1; i < points.Count; i++)
        {
            var current = points[i];
            var currentClass = tables.CombiningClass(current);
            if (currentClass == 0)
            {
                continue;
            }

            var j = i;
            while (j > 0)
            {
                var previousClass = tables.CombiningClass(points[j - 1]);
                if (previousClass <= currentClass || previousClass == 0)
                {
                    break;
                }

                points[j] = points[j - 1];
                j--;
            }

            points[j] = current;
        }
    }

    private static void Compose(List<int> points, Tables tables)
    {
        if (points.Count == 0)
        {
            return;
        }

        var result = new List<int>(points.Count);
        var starterIndex = -1;
        var lastClass = 0;
        foreach (var point in points)
        {
            var pointClass = tables.CombiningClass(point);
            if (starterIndex >= 0)
            {
                // Blocked when a character between the starter and this one is a starter or has a class >= this one's.
                var adjacent = result.Count - 1 == starterIndex;
                var blocked = !adjacent && (lastClass == 0 || lastClass >= pointClass);
                if (!blocked)
                {
                    var composite = ComposePair(result[starterIndex], point, tables);
                    if (composite >= 0)
                    {
                        result[starterIndex] = composite;
                        continue;
                    }
                }
            }

            if (pointClass == 0)
            {
                starterIndex = result.Count;
            }

            lastClass = pointClass;
            result.Add(point);
        }

        points.Clear();
        points.AddRange(result);
    }

    private static int ComposePair(int first, int second, Tables tables)
    {
        if (first is >= HangulLBase and < HangulLBase + HangulLCount && second is >= HangulVBase and < HangulVBase + HangulVCount)
        {
            return HangulSBase + (((first - HangulLBase) * HangulVCount) + (second - HangulVBase)) * HangulTCount;
        }

        if (first is >= HangulSBase and < HangulSBase + HangulSCount && (first - HangulSBase) % HangulTCount == 0
            && second is > HangulTBase and < HangulTBase + HangulTCount)
        {
            return first + (second - HangulTBase);
        }

        return tables.Compositions.TryGetValue(((long)first << 21) | (uint)second, out var composite) ? composite : -1;
    }

    private sealed record Decomposition(bool Compatibility, int[] Points);

    private sealed class Tables
    {
        public required Dictionary<int, Decomposition> Decompositions { get; init; }

        public required Dictionary<int, int> CombiningClasses { get; init; }

        public required Dictionary<long, int> Compositions { get; init; }

        public int CombiningClass(int point) => CombiningClasses.TryGetValue(point, out var value) ? value : 0;

        public static Tables Load()
        {
            var decompositions = new Dictionary<int, Decomposition>();
            foreach (var entry in UnicodeTables.Decompositions.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var fields = entry.Split(':');
                var points = fields[2].Split(' ').Select(Hex).ToArray();
                decompositions[Hex(fields[0])] = new Decomposition(fields[1] == "k", points);
            }

            var classes = new Dictionary<int, int>();
            foreach (var entry in UnicodeTables.CombiningClasses.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var fields = entry.Split(':');
                classes[Hex(fields[0])] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }

            var excluded = UnicodeTables.CompositionExclusions.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(Hex).ToHashSet();
            var compositions = new Dictionary<long, int>();
            foreach (var (point, decomposition) in decompositions)
            {
                if (!decomposition.Compatibility && decomposition.Points.Length == 2 && !excluded.Contains(point))
                {
                    compositions[((long)decomposition.Points[0] << 21) | (uint)decomposition.Points[1]] = point;
                }
            }

            return new Tables { Decompositions = decompositions, CombiningClasses = classes, Compositions = compositions };
        }

        private static int Hex(string text) => int.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
