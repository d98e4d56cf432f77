namespace TuneOperator.Data.Datasets;

/// <summary>
/// The JSON property names accepted for each field; the first name present in a row is used. The defaults accept the
/// common aliases (prompt/response, question/answer, ShareGPT's conversations/from/value).
/// </summary>
public sealed record FieldNames
{
    /// <summary>Names of the instruction field (instruction format).</summary>
    public IReadOnlyList<string> Instruction { get; init; } = ["instruction", "prompt", "question"];

    /// <summary>Names of the optional input/context field (instruction format).</summary>
    public IReadOnlyList<string> Input { get; init; } = ["input", "context"];

    /// <summary>Names of the output field (instruction format).</summary>
    public IReadOnlyList<string> Output { get; init; } = ["output", "response", "answer", "completion"];

    /// <summary>Names of the message list (chat format).</summary>
    public IReadOnlyList<string> Messages { get; init; } = ["messages", "conversations"];

    /// <summary>Names of a message's role (chat format).</summary>
    public IReadOnlyList<string> Role { get; init; } = ["role", "from"];

    /// <summary>Names of a message's text (chat format).</summary>
    public IReadOnlyList<string> Content { get; init; } = ["content", "value"];

    /// <summary>Names of the text field (completion and classification formats).</summary>
    public IReadOnlyList<string> Text { get; init; } = ["text"];

    /// <summary>Names of the label field (classification format).</summary>
    public IReadOnlyList<string> Label { get; init; } = ["label"];
}
