package io.tokenbroker.procore;

/** The {@code filters[by_status]} values of Procore's project list. */
public enum ProjectStatus {
  /** Active projects; what Procore lists when no status filter is sent. */
  ACTIVE("Active"),
  INACTIVE("Inactive"),
  ALL("All");

  private final String parameter;

  ProjectStatus(String parameter) {
    this.parameter = parameter;
  }

  /** The value sent to Procore, e.g. {@code Active}. */
  public String parameter() {
    return parameter;
  }
}
