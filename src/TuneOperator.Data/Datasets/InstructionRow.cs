namespace TuneOperator.Data.Datasets;

/// <summary>A row of the instruction format.</summary>
/// <param name="Instruction">The task.</param>
/// <param name="Input">Optional context for the task.</param>
/// <param name="Output">The answer the model learns to produce.</param>
public sealed record InstructionRow(string Instruction, string? Input, string Output) : DataRow
{
    /// <inheritdoc />
    public override bool IsEmpty => Instruction.Length == 0 || Output.Length == 0;

    /// <inheritdoc />
    protected override IEnumerable<string?> KeyFields() => ["i", Instruction, Input, Output];
}
