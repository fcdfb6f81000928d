fn main() {
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let (mut before, mut after) = (0, 0);
    for (path, bytes) in set.files() {
        if path.ends_with(".hbs") {
            let src = std::str::from_utf8(bytes).unwrap();
            let t = capiform::template_set::static_text::Table::default();
            let c = capiform::template_set::static_text::collapse(src, &t);
            let n = c.as_ref().map(|c| c.len()).unwrap_or(src.len());
            println!(
                "{path}: {} -> {} {}",
                src.len(),
                n,
                if c.is_none() { "(as written)" } else { "" }
            );
            before += src.len();
            after += n;
        }
    }
    println!("total {before} -> {after}");
}
