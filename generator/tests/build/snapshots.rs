//! What people read, as snapshots (`insta`): the output of `naluga-site check`, and the
//! diagnostics of a failed build as the terminal shows them. A change to either shows up as a
//! snapshot diff to review (`cargo insta review`, or accept the `.snap.new` file).

use crate::Fixture;

#[test]
fn check_output() {
    let fixture = Fixture::new();
    fixture.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\n[gone](/gone/) and [home](/)\n",
    );
    let out = fixture.cli(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(
        "check_output",
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        )
    );
}

#[test]
fn build_error_diagnostics() {
    let fixture = Fixture::new();
    fixture.write("content/about.md", "+++\ntitel = \"About\"\n+++\n");
    fixture.write(
        "content/news/first.md",
        "+++\ntitle = \"First\"\n+++\nSee [the plan](@/nowhere.md).\n",
    );
    fixture.write("content/contact.fr.md", "+++\ntitle = \"Contact\"\n+++\n");
    let output = fixture.root().join("public");
    let out = fixture.cli(&["build", "--output", &output.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(
        "build_error_diagnostics",
        String::from_utf8_lossy(&out.stderr)
    );
}
