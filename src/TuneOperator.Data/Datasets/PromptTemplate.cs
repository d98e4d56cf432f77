using System.Text;

namespace TuneOperator.Data.Datasets;

/// <summary>
/// How an instruction row becomes a prompt: <c>{instruction}</c> and <c>{input}</c> are replaced by the row's fields and
/// the output follows the rendered prompt directly. The default is the Alpaca layout.
/// </summary>
public sealed record PromptTemplate
{
    /// <summary>The placeholder replaced by the instruction.</summary>
    public const string InstructionPlaceholder = "{instruction}";

    /// <summary>The placeholder replaced by the input.</summary>
    public const string InputPlaceholder = "{input}";

    /// <summary>The Alpaca-style template.</summary>
    public static PromptTemplate Alpaca { get; } = new();

    /// <summary>The template for rows with a non-empty input; must contain both placeholders.</summary>
    public string WithInput { get; init; } =
        "Below is an instruction that describes a task, paired with an input that provides further context. "
        + "Write a response that appropriately completes the request.\n\n"
        + "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n";

    /// <summary>The template for rows without input; must contain <c>{instruction}</c>.</summary>
    public string WithoutInput { get; init; } =
        "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n"
        + "### Instruction:\n{instruction}\n\n### Response:\n";

    /// <summary>Renders the prompt; placeholders inside the row's own text are left alone.</summary>
    public string Render(string instruction, string? input)
    {
        var template = string.IsNullOrEmpty(input) ? WithoutInput : WithInput;
        var builder = new StringBuilder(template.Length + instruction.Length + (input?.Length ?? 0));
        var i = 0;
        while (i < template.Length)
        {
            if (string.CompareOrdinal(template, i, InstructionPlaceholder, 0, InstructionPlaceholder.Length) == 0)
            {
                builder.Append(instruction);
                i += InstructionPlaceholder.Length;
            }
            else if (string.CompareOrdinal(template, i, InputPlaceholder, 0, InputPlaceholder.Length) == 0)
            {
                builder.Append(input);
                i += InputPlaceholder.Length;
            }
            else
            {
                builder.Append(template[i]);
                i++;
            }
        }

        return builder.ToString();
    }

    /// <summary>Problems with the template, each naming the field under <paramref name="path"/>; empty when valid.</summary>
    public IEnumerable<string> Validate(string path)
    {
        if (!WithInput.Contains(InstructionPlaceholder, StringComparison.Ordinal) || !WithInput.Contains(InputPlaceholder, StringComparison.Ordinal))
        {
            yield return $"{path}.withInput must contain both {InstructionPlaceholder} and {InputPlaceholder}";
        }

        if (!WithoutInput.Contains(InstructionPlaceholder, StringComparison.Ordinal))
        {
            yield return $"{path}.withoutInput must contain {InstructionPlaceholder}";
        }
    }
}
