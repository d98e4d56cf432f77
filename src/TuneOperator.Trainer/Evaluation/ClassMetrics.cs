namespace TuneOperator.Trainer.Evaluation;

/// <summary>Precision, recall and F1 of one class.</summary>
/// <param name="ClassIndex">The class.</param>
/// <param name="Precision">True positives over predicted positives (0 when the class was never predicted).</param>
/// <param name="Recall">True positives over actual positives (0 when the class never occurs).</param>
/// <param name="F1">Harmonic mean of precision and recall (0 when both are 0).</param>
/// <param name="Support">How many examples actually belong to the class.</param>
public sealed record ClassMetrics(int ClassIndex, double Precision, double Recall, double F1, int Support);
