namespace TuneOperator.Data.Datasets;

/// <summary>The shape of the rows of a JSONL dataset.</summary>
public enum DatasetFormat
{
    /// <summary><c>{"instruction", "input"?, "output"}</c>, rendered with a <see cref="PromptTemplate"/>.</summary>
    Instruction,

    /// <summary><c>{"messages": [{"role", "content"}]}</c>, rendered with the tokenizer's chat template.</summary>
    Chat,

    /// <summary><c>{"text"}</c>: plain text, every token is trained on.</summary>
    Completion,

    /// <summary><c>{"text", "label"}</c>: the label is a name from the label list or an index into it.</summary>
    Classification,
}
