using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Schema;

/// <summary>Reads JSON numbers whatever .NET type backs a <see cref="JsonValue"/> (parsed text, int, long, double,
/// decimal...), so schemas and objects built in code behave like parsed ones.</summary>
internal static class JsonNumbers
{
    public static bool IsNumber(this JsonValue value) => value.GetValueKind() == JsonValueKind.Number;

    /// <summary>The value as a 64-bit integer when it is a whole number in range.</summary>
    public static bool TryGetLong(this JsonValue value, out long result)
    {
        result = 0;
        if (!value.IsNumber())
        {
            return false;
        }

        var text = value.ToJsonString();
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result))
        {
            return true;
        }

        var d = value.GetDouble();
        if (d == Math.Floor(d) && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18)
        {
            result = (long)d;
            return true;
        }

        return false;
    }

    /// <summary>The value as a double; NaN when it is not a number.</summary>
    public static double GetDouble(this JsonValue value) =>
        value.IsNumber() && double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN;

    /// <summary>True when the JSON text of the value is an integer literal (no fraction or exponent).</summary>
    public static bool IsIntegerLiteral(this JsonValue value) =>
        value.IsNumber() && long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
}
