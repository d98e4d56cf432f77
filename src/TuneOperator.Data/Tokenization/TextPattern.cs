using System.Text.RegularExpressions;

namespace TuneOperator.Data.Tokenization;

/// <summary>Builds the regular expressions of tokenizer.json patterns ({"String": ...} or {"Regex": ...}).</summary>
internal static class TextPattern
{
    // .NET has the (?i:...) group, but its case-insensitive matching also folds characters such as U+017F; spelling the
    // contractions out matches the reference implementation exactly.
    private const string CaseInsensitiveContractions = "(?i:'s|'t|'re|'ve|'m|'ll|'d)";
    private const string ExplicitContractions = "(?:'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))";

    public static Regex Create(JsonConfig pattern)
    {
        if (pattern.Has("String"))
        {
            return new Regex(Regex.Escape(pattern.RequireString("String")), RegexOptions.CultureInvariant);
        }

        if (pattern.Has("Regex"))
        {
            var source = pattern.RequireString("Regex").Replace(CaseInsensitiveContractions, ExplicitContractions, StringComparison.Ordinal);
            try
            {
                return new Regex(source, RegexOptions.CultureInvariant | RegexOptions.Compiled);
            }
            catch (ArgumentException error)
            {
                throw pattern.Error($"the regular expression cannot be compiled: {error.Message}");
            }
        }

        throw pattern.Error("a pattern must be {\"String\": ...} or {\"Regex\": ...}.");
    }
}
