using System.Globalization;

namespace TuneOperator.Testing.Schema;

/// <summary>Builds field paths the way kube-apiserver prints them: <c>spec.items[0].name</c>, <c>spec.labels[key]</c>.</summary>
internal static class FieldPath
{
    public static string Child(string path, string name) => path.Length == 0 ? name : path + "." + name;

    public static string Index(string path, int index) => path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    public static string Key(string path, string key) => path + "[" + key + "]";

    /// <summary>Appends a rule's relative <c>fieldPath</c> (<c>.spec.foo</c>, <c>.labels['a.b']</c>, <c>.items[1]</c>)
    /// to <paramref name="path"/>.</summary>
    public static string AppendRelative(string path, string relative)
    {
        var result = path;
        var i = 0;
        while (i < relative.Length)
        {
            if (relative[i] == '.')
            {
                var start = ++i;
                while (i < relative.Length && relative[i] != '.' && relative[i] != '[')
                {
                    i++;
                }

                result = Child(result, relative[start..i]);
            }
            else if (relative[i] == '[')
            {
                var close = relative.IndexOf(']', i);
                if (close < 0)
                {
                    return Child(path, relative.TrimStart('.'));
                }

                var inner = relative[(i + 1)..close].Trim('\'', '"');
                result = inner.All(char.IsAsciiDigit) && inner.Length > 0
                    ? result + "[" + inner + "]"
                    : Child(result, inner);
                i = close + 1;
            }
            else
            {
                return Child(path, relative);
            }
        }

        return result;
    }
}
