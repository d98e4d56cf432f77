namespace TuneOperator.Trainer.Peft;

/// <summary>LoRA settings, named like PEFT's <c>LoraConfig</c>.</summary>
/// <param name="Rank">The adapter rank <c>r</c>.</param>
/// <param name="Alpha">The scale numerator <c>lora_alpha</c>; the update is scaled by alpha / rank.</param>
/// <param name="Dropout">Dropout on the adapter's input during training.</param>
/// <param name="TargetModules">Module names matched by suffix (e.g. q_proj, v_proj, c_attn) or the single entry
/// <c>all-linear</c> for every projection inside the decoder layers.</param>
public sealed record LoraOptions(int Rank, double Alpha, double Dropout, IReadOnlyList<string> TargetModules)
{
    /// <summary>The value that selects every linear projection of the decoder layers.</summary>
    public const string AllLinear = "all-linear";

    /// <summary>The factor the adapter's output is multiplied by.</summary>
    public double Scaling => Alpha / Rank;

    /// <summary>Checks the settings; the message names the field.</summary>
    public void Validate()
    {
        if (Rank <= 0)
        {
            throw new ArgumentException($"lora.rank must be a positive integer (got {Rank}).", nameof(Rank));
        }

        if (Alpha <= 0)
        {
            throw new ArgumentException($"lora.alpha must be positive (got {Alpha}).", nameof(Alpha));
        }

        if (Dropout is < 0 or >= 1)
        {
            throw new ArgumentException($"lora.dropout must be in [0, 1) (got {Dropout}).", nameof(Dropout));
        }

        if (TargetModules.Count == 0 || TargetModules.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("lora.targetModules must list at least one module name (e.g. q_proj, v_proj) or all-linear.", nameof(TargetModules));
        }
    }
}
